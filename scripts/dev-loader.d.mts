// scripts/dev-loader.mjs only registers loader hooks: it exports nothing.
export {};
