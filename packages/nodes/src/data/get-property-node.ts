import { z } from 'zod';
import type { Json } from '@casare-rpa/domain';
import { anyValue, text, tryParseJson } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { valueAtPath } from './values.js';

// GetPropertyNode reads `a.b[0]` inside a dictionary or a list (or their JSON text); a path that
// leads nowhere gives null.

const getPropertyNode = defineNode({
  types: ['GetPropertyNode'],
  effect: 'pure',
  config: z.looseObject({ object: anyValue(), property_path: text('') }),
  ports: { inputs: ['object', 'property_path'], outputs: ['value'] },
  run: (config) => {
    // A dictionary that travelled as JSON text (a file read, an HTTP body) is read as the dictionary.
    const object: Json = typeof config.object === 'string' ? (tryParseJson(config.object) ?? config.object) : config.object;
    const path = config.property_path.trim();
    return { outputs: { value: path === '' ? object : (valueAtPath(object, path) ?? null) } };
  },
});

/** GetPropertyNode. */
export const getPropertyNodeHandlers: readonly CatalogNodeHandler[] = [getPropertyNode];
