import { z } from 'zod';
import { anyValue, text } from '../catalog/config-schema.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { valueAtPath } from './values.js';

// GetPropertyNode reads `a.b[0]` inside a dictionary (or a list); a path that leads nowhere gives null.

const getPropertyNode = defineNode({
  types: ['GetPropertyNode'],
  effect: 'pure',
  config: z.looseObject({ object: anyValue(), property_path: text('') }),
  ports: { inputs: ['object', 'property_path'], outputs: ['value'] },
  run: (config) => ({
    outputs: { value: config.property_path.trim() === '' ? config.object : (valueAtPath(config.object, config.property_path.trim()) ?? null) },
  }),
});

/** GetPropertyNode. */
export const getPropertyNodeHandlers: readonly CatalogNodeHandler[] = [getPropertyNode];
