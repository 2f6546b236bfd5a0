// Shared by every page: shows what the server reported for this navigation (its summary rides in Server-Timing).
document.addEventListener('DOMContentLoaded', () => {
  const [navigation] = performance.getEntriesByType('navigation');
  const entry = navigation?.serverTiming?.find((timing) => timing.name === 'cache-digest');
  const out = document.querySelector('.summary');
  if (out) out.textContent = entry ? entry.description : 'no cache-digest summary';
  document.documentElement.dataset.appReady = 'true';
});
