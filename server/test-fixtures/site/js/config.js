export default { debug: false };
