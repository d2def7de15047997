/** Direction of dependencies (docs/architecture.md "Direction of dependencies"). Checked by `npm test`. */
const domain = '^src/(keys|cms|pki|pdf|copies|audit|signing|accounts|jobs)/';
module.exports = {
  forbidden: [
    { name: 'core-imports-nothing', severity: 'error', from: { path: '^src/core/' }, to: { path: '^src/(?!core/)' } },
    {
      name: 'domain-not-edge',
      comment: 'Domain folders never import http, cli, app, config, store adapters, express, pg, better-sqlite3 or PKCS#11 bindings.',
      severity: 'error',
      from: { path: domain, pathNot: '^src/keys/adapters/' },
      to: { path: '^(src/(http|cli|app|config)/|src/store/adapters/|node_modules/(express|pg|better-sqlite3|pkcs11js|graphene-pk11)/)' },
    },
    {
      name: 'pdf-syntax-no-crypto',
      severity: 'error',
      from: { path: '^src/pdf/(syntax|incremental)/' },
      to: { path: '^(node_modules/(pkijs|asn1js|node-forge)/|src/(cms|pki|keys)/)' },
    },
    { name: 'pki-not-pdf', severity: 'error', from: { path: '^src/pki/' }, to: { path: '^src/pdf/' } },
    {
      name: 'client-standalone',
      comment: 'kyso/client is a fetch-only module: it loads nothing of the server but the webhook signature check.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: '^src/(client/|jobs/webhook-signature\\.ts$)' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
