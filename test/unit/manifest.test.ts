// The extension manifest follows the conventions a VS Code user expects: every user-facing string
// localized through package.nls.json, every command in the "Stevedore" category with an icon where
// it shows as one, hidden from the palette where it needs a tree item, settings described, the
// walkthrough's steps able to complete themselves, and the commands that execute the workspace's
// content unavailable in Restricted Mode.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

interface Command { command: string; title: string; category?: string; icon?: unknown }
interface MenuItem { command: string; when?: string; group?: string }
type Schema = Record<string, unknown>;
interface Step { id: string; title: string; description: string; media: Record<string, string>; completionEvents?: string[] }
interface Manifest {
  displayName: string;
  description: string;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: unknown; description: string; restrictedConfigurations: string[] } };
  contributes: {
    viewsContainers: { activitybar: { id: string; title: string }[] };
    views: Record<string, { id: string; name: string; contextualTitle?: string }[]>;
    viewsWelcome: { view: string; when: string; contents: string }[];
    commands: Command[];
    menus: Record<string, MenuItem[]>;
    submenus?: { id: string; label: string }[];
    configuration: { title: string; properties: Record<string, Schema> };
    walkthroughs: { id: string; title: string; description: string; steps: Step[] }[];
  };
}

const root = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
const contributes = manifest.contributes;
const { commands, menus } = contributes;
const properties = contributes.configuration.properties;

/** Every string a user reads in the manifest, with where it is. */
function userFacingStrings(): [where: string, value: unknown][] {
  const out: [string, unknown][] = [['displayName', manifest.displayName], ['description', manifest.description]];
  out.push(['capabilities.untrustedWorkspaces.description', manifest.capabilities.untrustedWorkspaces.description]);
  for (const c of contributes.viewsContainers.activitybar) out.push([`viewsContainer ${c.id}`, c.title]);
  for (const views of Object.values(contributes.views)) {
    for (const v of views) out.push([`view ${v.id}`, v.name], ...(v.contextualTitle ? [[`view ${v.id} contextualTitle`, v.contextualTitle] as [string, unknown]] : []));
  }
  for (const w of contributes.viewsWelcome) out.push([`viewsWelcome ${w.view} (${w.when})`, w.contents]);
  for (const c of commands) out.push([`command ${c.command} title`, c.title], [`command ${c.command} category`, c.category]);
  out.push(['configuration title', contributes.configuration.title]);
  const setting = (where: string, schema: Record<string, unknown>) => {
    for (const field of ['description', 'markdownDescription', 'deprecationMessage', 'markdownDeprecationMessage']) {
      if (schema[field] !== undefined) out.push([`${where} ${field}`, schema[field]]);
    }
    for (const field of ['enumDescriptions', 'markdownEnumDescriptions']) {
      for (const [i, d] of ((schema[field] as unknown[] | undefined) ?? []).entries()) out.push([`${where} ${field}[${i}]`, d]);
    }
  };
  for (const [name, schema] of Object.entries(properties)) {
    setting(`setting ${name}`, schema);
    for (const [pattern, sub] of Object.entries((schema.patternProperties as Record<string, Record<string, unknown>> | undefined) ?? {})) setting(`setting ${name} ${pattern}`, sub);
  }
  for (const w of contributes.walkthroughs) {
    out.push([`walkthrough ${w.id} title`, w.title], [`walkthrough ${w.id} description`, w.description]);
    for (const s of w.steps) {
      out.push([`walkthrough step ${s.id} title`, s.title], [`walkthrough step ${s.id} description`, s.description]);
      if (s.media?.altText !== undefined) out.push([`walkthrough step ${s.id} altText`, s.media.altText]);
    }
  }
  for (const submenu of contributes.submenus ?? []) out.push([`submenu ${submenu.id}`, submenu.label]);
  return out;
}

const placeholder = /^%([^%]+)%$/;

describe('the manifest is localized through package.nls.json', () => {
  test('every user-facing string is a %key% whose key package.nls.json has', () => {
    const strings = userFacingStrings();
    assert.ok(strings.length > 100, `only ${strings.length} strings found: the walk over the manifest is broken`);
    const literal = strings.filter(([, v]) => typeof v !== 'string' || !placeholder.test(v)).map(([where, v]) => `${where}: ${JSON.stringify(v)}`);
    assert.deepEqual(literal, [], 'strings written into package.json instead of package.nls.json');
    const missing = strings.map(([where, v]) => [where, placeholder.exec(v as string)![1]]).filter(([, key]) => !(key in nls)).map(([where, key]) => `${where}: %${key}%`);
    assert.deepEqual(missing, [], 'keys package.nls.json does not have');
  });

  test('every key of package.nls.json is used, and none is empty', () => {
    const text = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    assert.deepEqual(Object.keys(nls).filter((key) => !text.includes(`"%${key}%"`)), [], 'unused keys');
    assert.deepEqual(Object.entries(nls).filter(([, v]) => !v.trim()).map(([k]) => k), [], 'empty strings');
  });
});

describe('commands follow the conventions', () => {
  const inMenus = (command: string) => Object.entries(menus).flatMap(([menu, items]) => items.filter((i) => i.command === command).map((i) => ({ menu, ...i })));

  test('every command is in the Stevedore category', () => {
    assert.equal(nls.category, 'Stevedore');
    assert.deepEqual(commands.filter((c) => c.category !== '%category%').map((c) => c.command), []);
  });

  test('a command that shows as a button (a title bar, an inline tree action) has an icon', () => {
    const buttons = Object.entries(menus).flatMap(([menu, items]) => items
      .filter((i) => (menu === 'view/title' && i.group?.startsWith('navigation')) || menu === 'editor/title' || (menu === 'view/item/context' && i.group?.startsWith('inline')))
      .map((i) => i.command));
    assert.ok(buttons.length > 10);
    assert.deepEqual([...new Set(buttons)].filter((id) => !commands.find((c) => c.command === id)?.icon), []);
  });

  test('a command that needs a tree item (only in tree item menus) is hidden from the palette', () => {
    const palette = menus.commandPalette;
    const itemOnly = commands.map((c) => c.command).filter((id) => {
      const places = inMenus(id).filter((m) => m.menu !== 'commandPalette');
      return places.length > 0 && places.every((m) => m.menu === 'view/item/context');
    });
    assert.ok(itemOnly.length > 10);
    assert.deepEqual(itemOnly.filter((id) => !palette.some((p) => p.command === id && p.when === 'false')), []);
  });
});

describe('settings follow the conventions', () => {
  const schemas = () => Object.entries(properties).flatMap(([name, schema]) => [
    [name, schema] as const,
    ...Object.entries((schema.patternProperties as Record<string, Record<string, unknown>> | undefined) ?? {}).map(([p, sub]) => [`${name} ${p}`, sub] as const),
  ]);

  test('every setting has a description and a default', () => {
    for (const [name, schema] of Object.entries(properties)) {
      assert.ok(schema.description ?? schema.markdownDescription, `${name} has no description`);
      assert.ok('default' in schema, `${name} has no default`);
    }
  });

  test('every enum has a description per value', () => {
    for (const [name, schema] of schemas()) {
      if (!schema.enum) continue;
      const descriptions = (schema.enumDescriptions ?? schema.markdownEnumDescriptions) as unknown[] | undefined;
      assert.equal(descriptions?.length, (schema.enum as unknown[]).length, `${name}: ${descriptions?.length ?? 0} descriptions for ${(schema.enum as unknown[]).length} values`);
    }
  });
});

describe('the Getting Started walkthrough', () => {
  const source = fs.readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts')).map((f) => fs.readFileSync(path.join(root, 'src', f), 'utf8')).join('\n');
  const steps = contributes.walkthroughs[0].steps;

  test('opening the explorer completes the first step', () => {
    assert.ok(steps[0].completionEvents?.includes('onView:stevedore.images'));
  });

  test('every step completes itself: its events name views, commands and context keys that exist', () => {
    const views = new Set(Object.values(contributes.views).flat().map((v) => v.id));
    const commandIds = new Set(commands.map((c) => c.command));
    for (const step of steps) {
      assert.ok(step.completionEvents?.length, `${step.id} has no completion event (it would complete on a mere click)`);
      for (const event of step.completionEvents) {
        const [kind, name] = event.split(/:(.*)/s);
        if (kind === 'onView') assert.ok(views.has(name), `${step.id}: no view ${name}`);
        else if (kind === 'onCommand') assert.ok(commandIds.has(name), `${step.id}: no command ${name}`);
        else if (kind === 'onContext') assert.ok(source.includes(`'setContext', '${name}'`), `${step.id}: nothing in src sets the context key ${name}`);
        else assert.fail(`${step.id}: unexpected completion event ${event}`);
      }
    }
  });

  test('every step\'s media is in the package', () => {
    const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
    for (const step of steps) {
      for (const file of Object.values(step.media).filter((v) => /\.(md|svg|png)$/.test(v))) {
        assert.ok(fs.existsSync(path.join(root, file)), `${step.id}: ${file} is missing`);
        assert.ok(ignore.includes(`!${path.dirname(file)}/**`), `${file} is left out of the .vsix by .vscodeignore`);
      }
    }
  });
});

describe('Restricted Mode', () => {
  const executing = ['stevedore.image.build', 'stevedore.compose.up', 'stevedore.compose.down', 'stevedore.compose.restart', 'stevedore.image.run', 'stevedore.image.runInteractive'];
  const trust = manifest.capabilities.untrustedWorkspaces;

  test('is supported in part, with the settings that choose the engine or feed a build restricted', () => {
    assert.equal(trust.supported, 'limited');
    assert.deepEqual(trust.restrictedConfigurations.filter((s) => !(s in properties)), []);
    for (const s of ['stevedore.engine', 'stevedore.build.buildArgs']) assert.ok(trust.restrictedConfigurations.includes(s), s);
  });

  test('commands that execute the workspace\'s content are offered only in a trusted workspace', () => {
    for (const id of executing) {
      const places = Object.entries(menus).flatMap(([menu, items]) => items.filter((i) => i.command === id).map((i) => ({ menu, ...i })));
      assert.ok(places.length, `${id} is in no menu`);
      for (const p of places) assert.ok(p.when === 'false' || /^isWorkspaceTrusted && /.test(p.when ?? '') || p.when === 'isWorkspaceTrusted', `${id} in ${p.menu}: when "${p.when}"`);
      if (!places.some((p) => p.menu === 'commandPalette')) assert.fail(`${id} has no commandPalette entry, so it shows in Restricted Mode`);
    }
  });

  test('the lint, hover and completion need no trust: their activation and settings are not restricted', () => {
    assert.ok(manifest.activationEvents.includes('onLanguage:dockerfile'));
    assert.deepEqual(trust.restrictedConfigurations.filter((s) => s.startsWith('stevedore.lint.')), []);
  });
});
