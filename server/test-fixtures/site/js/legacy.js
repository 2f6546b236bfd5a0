window.legacy = function () { return 'classic script'; };
