window.fallback = true;
