import { useEffect, useState } from 'preact/hooks';

/** Paths under /console, routed in the page (the server answers every one with the same document). */
export const BASE = '/console';

export function navigate(path: string): void {
  history.pushState(null, '', BASE + path);
  dispatchEvent(new Event('console:navigate'));
}

export function usePath(): string {
  const read = () => location.pathname.slice(BASE.length) || '/';
  const [path, setPath] = useState(read);
  useEffect(() => {
    const update = () => setPath(read());
    addEventListener('popstate', update);
    addEventListener('console:navigate', update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener('console:navigate', update);
    };
  }, []);
  return path;
}

/** onClick for an <a href="/console/…">: routed in the page unless opened in a new tab. */
export function follow(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null)?.getAttribute('href');
  if (!a || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.slice(BASE.length));
}
