// A subscriber (organization or official) as the RA registers it, written straight into the store:
// the benches that go through the HTTP service set up their people this way.
export function registerSubscriber(store, id, kind, name, uid, managingOrganizationId = null) {
  const now = new Date();
  return store.subscribers.insert({
    id,
    kind,
    managingOrganizationId,
    name,
    subject: { commonName: name, uids: [uid] },
    identifiers: [uid],
    email: null,
    position: null,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  });
}
