import './chunk-7d3e1a2b.js';
console.log('hashed entry');
