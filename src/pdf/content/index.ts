export * from './box.js';
export * from './page-geometry.js';
export * from './free-area.js';
export * from './lowest-content.js';
