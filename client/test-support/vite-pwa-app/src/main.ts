// The fixture app's entry: a visible effect the test waits for, and its
// release number (the test's "deploy" rebuilds the app with release 2).
const RELEASE = 1;

document.getElementById('status')!.textContent = 'ready';
document.getElementById('title')!.dataset.release = String(RELEASE);
