import { computeEfficiency, type Efficiency } from './efficiency';
import type { Inspection } from './imageInspection';
import type { ImageDescription } from './imageSource';
import { ImageTree } from './imageTree';
import { decodeLayerIndex, type LayerIndex } from './layerIndex';

/** An inspected image, decoded: its trees and, when every layer could be read, its efficiency. */
export interface ImageAnalysis {
  readonly description: ImageDescription;
  readonly layers: readonly (LayerIndex | undefined)[];
  readonly tree: ImageTree;
  /** Undefined when a layer is missing: the score needs them all. */
  readonly efficiency: Efficiency | undefined;
  /** Layers that could not be read, and why. */
  readonly errors: readonly { readonly layer: number; readonly message: string }[];
}

export function analyzeInspection(inspection: Inspection): ImageAnalysis {
  const errors: { layer: number; message: string }[] = [];
  const layers = inspection.layers.map((outcome, layer) => {
    if ('error' in outcome) {
      errors.push({ layer, message: outcome.error });
      return undefined;
    }
    return decodeLayerIndex(outcome.encoded);
  });
  const tree = new ImageTree(layers);
  return { description: inspection.description, layers, tree, efficiency: errors.length ? undefined : computeEfficiency(tree), errors };
}
