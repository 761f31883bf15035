/**
 * The inspector webview's page: a fixed skeleton (the script fills it, as text; the image's layer
 * list rides along base64-encoded, so nothing in it can close the attribute), the bundled script
 * and stylesheet, and a Content-Security-Policy that allows nothing else: no remote resource, no
 * inline style or script, scripts only with this page's nonce.
 */
export interface PageResources {
  /** The webview's own origin for local resources (webview.cspSource). */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** Fresh for every page. */
  readonly nonce: string;
  /** The layer list when it is known already: in the page, it is painted without waiting for a message. */
  readonly image?: unknown;
}

export function contentSecurityPolicy(r: PageResources): string {
  return [
    "default-src 'none'",
    `style-src ${r.cspSource}`,
    `font-src ${r.cspSource}`,
    `img-src ${r.cspSource} data:`,
    `script-src 'nonce-${r.nonce}'`,
  ].join('; ');
}

export function inspectorHtml(r: PageResources): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(r)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${r.styleUri}">${r.image === undefined ? '' : `
<meta name="stevedore-image" content="${Buffer.from(JSON.stringify(r.image)).toString('base64')}">`}
<title>Layer inspector</title>
</head>
<body>
<header>
  <h1 id="title">Reading the image…</h1>
  <span id="origin"></span>
  <span id="status" role="status" aria-live="polite"></span>
</header>
<main>
  <section id="left" aria-label="Layers and summary">
    <h2 id="layers-heading">Layers</h2>
    <div id="layers" role="listbox" tabindex="0" aria-labelledby="layers-heading"></div>
    <section id="summary" aria-label="Summary"><p class="muted">The summary appears once every layer is read.</p></section>
  </section>
  <section id="right" aria-label="Files">
    <div id="toolbar">
      <input id="filter" type="search" placeholder="Filter paths: text, or a glob such as *.so or usr/**/lib*" aria-label="Filter paths (substring or glob)">
      <label><input id="only-changes" type="checkbox"> Only changes in this layer</label>
      <label><input id="aggregated" type="checkbox"> Aggregated (changes since the first layer)</label>
      <label>Sort <select id="sort" aria-label="Sort files by"><option value="name">by name</option><option value="size">by size</option></select></label>
    </div>
    <div class="columns" aria-hidden="true"><span>Name</span><span>Size</span><span>Mode</span><span>Owner</span><span></span></div>
    <p id="tree-message" hidden></p>
    <div id="tree" role="tree" tabindex="0" aria-label="Files"></div>
    <section id="details" aria-label="Selected entry" aria-live="polite"></section>
  </section>
</main>
<script nonce="${r.nonce}" src="${r.scriptUri}"></script>
</body>
</html>`;
}
