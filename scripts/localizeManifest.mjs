// `npm run localize`: moves every user-facing string still written into package.json (a new
// command's title, a view's name, a setting's description, a walkthrough step…) into
// package.nls.json as a "%key%" reference, with keys named like the existing ones. Strings already
// localized are left alone; test/unit/manifest.test.ts checks the result.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifestFile = path.join(root, 'package.json');
const nlsFile = path.join(root, 'package.nls.json');
const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
const nls = JSON.parse(fs.readFileSync(nlsFile, 'utf8'));
const moved = [];

const short = (id) => id.replace(/^stevedore\./, '');
/** The "%key%" for `value` (added to package.nls.json), or `value` when it is one already. */
function localized(key, value) {
  if (typeof value !== 'string' || /^%[^%]+%$/.test(value)) return value;
  if (key in nls && nls[key] !== value) throw new Error(`package.nls.json has ${key} already, with another text: rename one`);
  if (!(key in nls)) moved.push(key);
  nls[key] = value;
  return `%${key}%`;
}
/** Sets `object[field]` to its localized form when it is there. */
function localize(object, field, key) {
  if (object && object[field] !== undefined) object[field] = localized(key, object[field]);
}

const c = manifest.contributes;
localize(manifest, 'displayName', 'displayName');
localize(manifest, 'description', 'description');
localize(manifest.capabilities?.untrustedWorkspaces, 'description', 'untrustedWorkspaces.description');
for (const container of c.viewsContainers?.activitybar ?? []) localize(container, 'title', `viewsContainer.${container.id}.title`);
for (const view of Object.values(c.views ?? {}).flat()) {
  localize(view, 'name', `view.${short(view.id)}.name`);
  localize(view, 'contextualTitle', `view.${short(view.id)}.contextualTitle`);
}
for (const welcome of c.viewsWelcome ?? []) {
  const state = /absent/.test(welcome.when ?? '') ? 'noEngine' : /connected/.test(welcome.when ?? '') ? 'connected' : /unavailable/.test(welcome.when ?? '') ? 'unavailable' : 'default';
  localize(welcome, 'contents', `welcome.${short(welcome.view)}.${state}`);
}
for (const command of c.commands ?? []) {
  localize(command, 'title', `command.${short(command.command)}`);
  localize(command, 'category', 'category');
}
for (const submenu of c.submenus ?? []) localize(submenu, 'label', `submenu.${short(submenu.id)}`);
localize(c.configuration, 'title', 'config.title');
const setting = (schema, key) => {
  for (const field of ['description', 'markdownDescription', 'deprecationMessage', 'markdownDeprecationMessage']) localize(schema, field, `${key}.${field}`);
  for (const field of ['enumDescriptions', 'markdownEnumDescriptions']) {
    if (schema[field]) schema[field] = schema[field].map((text, i) => localized(`${key}.${schema.enum?.[i] ?? i}`, text));
  }
};
for (const [name, schema] of Object.entries(c.configuration?.properties ?? {})) {
  setting(schema, `config.${short(name)}`);
  for (const sub of Object.values(schema.patternProperties ?? {})) setting(sub, `config.${short(name)}.level`);
}
for (const walkthrough of c.walkthroughs ?? []) {
  const prefix = walkthrough.id === 'gettingStarted' ? 'walkthrough' : `walkthrough.${walkthrough.id}`;
  localize(walkthrough, 'title', `${prefix}.title`);
  localize(walkthrough, 'description', `${prefix}.description`);
  for (const step of walkthrough.steps ?? []) {
    localize(step, 'title', `${prefix}.${step.id}.title`);
    localize(step, 'description', `${prefix}.${step.id}.description`);
    localize(step.media, 'altText', `${prefix}.${step.id}.altText`);
  }
}

if (moved.length) {
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(nlsFile, `${JSON.stringify(nls, null, 2)}\n`);
}
console.log(moved.length ? `moved to package.nls.json: ${moved.join(', ')}` : 'package.json has no literal user-facing string');
