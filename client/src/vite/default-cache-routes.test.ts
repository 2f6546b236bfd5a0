import { describe, expect, it } from 'vitest';
import { defaultCacheRoutes, unhashedRoutedFiles } from './default-cache-routes.ts';

describe('defaultCacheRoutes', () => {
  it('routes the scripts and stylesheets under assetsDir, below the base', () => {
    expect(defaultCacheRoutes('/', 'assets')).toEqual(['/assets/*.js', '/assets/*.css']);
    expect(defaultCacheRoutes('/app/', 'static/')).toEqual(['/app/static/*.js', '/app/static/*.css']);
    expect(defaultCacheRoutes('/app', 'assets')).toEqual(['/app/assets/*.js', '/app/assets/*.css']);
  });

  it('routes nothing for a base off the site, a root assetsDir, or names with pattern syntax', () => {
    expect(defaultCacheRoutes('https://cdn.test/', 'assets')).toEqual([]);
    expect(defaultCacheRoutes('./', 'assets')).toEqual([]);
    expect(defaultCacheRoutes('/', '')).toEqual([]);
    expect(defaultCacheRoutes('/', 'a:b')).toEqual([]);
  });
});

describe('unhashedRoutedFiles', () => {
  it('lists scripts and stylesheets under assetsDir whose names carry no hash', () => {
    const files = ['assets/app-1a2b3c.js', 'assets/app.js', 'assets/img.png', 'index.html', 'assets/x.css'];
    expect(unhashedRoutedFiles(files, ['assets/app-1a2b3c.js'], 'assets')).toEqual(['assets/app.js', 'assets/x.css']);
  });
});
