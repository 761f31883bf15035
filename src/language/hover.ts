import * as vscode from 'vscode';
import { humanDuration, humanSize } from '../engine/humanize';
import { hoverAt } from '../dockerfile/hover';
import { DOCKERFILE, fromVsPosition, toVsRange, type DockerfileDocuments } from './dockerfileDocuments';
import type { EngineImages } from './engineImages';

/** Instruction and flag docs, variables, stages; for a FROM image, what the active engine knows of it. */
export function registerHover(documents: DockerfileDocuments, images: EngineImages): vscode.Disposable {
  return vscode.languages.registerHoverProvider(DOCKERFILE, {
    async provideHover(document, position) {
      const info = hoverAt(documents.get(document).model, fromVsPosition(position));
      if (!info) return undefined;
      let markdown = info.markdown;
      if (info.kind === 'image' && !info.image.includes('$')) {
        const found = await images.inspect(info.image);
        if (found === 'absent') markdown += '\n\n---\nThe engine does not have this image yet (a build pulls it).';
        else if (found) {
          const s = found.summary;
          const digest = s.digests[0]?.split('@')[1];
          markdown += `\n\n---\n**In ${found.engine}:** ${humanSize(s.size)}, created ${humanDuration(Date.now() - s.created)} ago  \nid \`${s.id.replace(/^sha256:/, '').slice(0, 12)}\`${digest ? `  \ndigest \`${digest}\`` : '  \nno registry digest (built or loaded locally)'}`;
        }
      }
      const content = new vscode.MarkdownString(markdown);
      return new vscode.Hover(content, toVsRange(info.range));
    },
  });
}
