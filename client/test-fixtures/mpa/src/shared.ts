export function markReady(name: string): void {
  document.getElementById('status')!.textContent = `ready: ${name}`;
}
