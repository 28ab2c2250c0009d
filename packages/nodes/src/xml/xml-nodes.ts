import type { Json } from '@casare-rpa/domain';
import type { NodeExecution } from '@casare-rpa/application';
import type { Element } from '@xmldom/xmldom';
import * as xpath from 'xpath';
import { z } from 'zod';
import { anyValue, boolean, integer, nonEmptyText, optionalText, text, tryParseJson } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { childElements, describeElement, elementToJson, jsonToXml, leadingText, parseXml, rootOf } from './xml-document.js';

// XML nodes (v1 ParseXMLNode, XPathQueryNode...). They are pure: a function of their XML text.
// As in v1, ParseXMLNode keeps the parsed document for the nodes after it that get no
// `xml_string`: here as the text in the `_xml_root` variable, since a DOM cannot be recorded.

/** Variable where ParseXMLNode and ReadXMLFileNode leave the last XML text they read. */
export const LAST_XML_VARIABLE = '_xml_root';

/** The XML text a node works on: its `xml_string`, or the last one parsed in the run. */
function xmlOf(given: string | undefined, execution: NodeExecution): string {
  if (given !== undefined && given.trim() !== '') return given;
  const last = execution.variables[LAST_XML_VARIABLE];
  if (typeof last === 'string' && last.trim() !== '') return last;
  throw new ConfigFieldError('xml_string', 'required (no XML was parsed earlier in this run)');
}

/** Evaluates an XPath expression with the root element as context node, as ElementTree's find did. */
function select(expression: string, root: Element): xpath.SelectReturnType {
  try {
    return xpath.select(expression, root as unknown as globalThis.Node);
  } catch (error) {
    throw new ConfigFieldError('xpath', `invalid XPath "${expression}": ${(error as Error).message}`);
  }
}

function asNodes(result: xpath.SelectReturnType): globalThis.Node[] {
  return Array.isArray(result) ? result : [];
}

const parseXmlNode = defineNode({
  types: ['ParseXMLNode'],
  effect: 'pure',
  config: z.looseObject({ xml_string: text() }),
  ports: { inputs: ['xml_string'], outputs: ['root_tag', 'root_text', 'child_count', 'success'] },
  run(config) {
    const root = rootOf(parseXml(config.xml_string, 'xml_string'));
    return {
      outputs: { root_tag: root.tagName, root_text: leadingText(root), child_count: childElements(root).length, success: true },
      variables: { [LAST_XML_VARIABLE]: config.xml_string },
    };
  },
});

const xpathQueryNode = defineNode({
  types: ['XPathQueryNode'],
  effect: 'pure',
  config: z.looseObject({ xml_string: optionalText(), xpath: nonEmptyText() }),
  ports: { inputs: ['xml_string', 'xpath'], outputs: ['results', 'count', 'first_text', 'success'] },
  run(config, execution) {
    const root = rootOf(parseXml(xmlOf(config.xml_string, execution), 'xml_string'));
    const found = select(config.xpath, root);
    if (!Array.isArray(found)) {
      // A scalar XPath (count(//x), string(@a)): one result, its own value.
      const value = found as Json;
      return { outputs: { results: [value], count: 1, first_text: typeof value === 'string' ? value : JSON.stringify(value), success: true } };
    }
    const results = found.map((node): Json =>
      node.nodeType === 1
        ? describeElement(node as unknown as Element)
        : { tag: node.nodeName, text: node.nodeValue ?? node.textContent ?? '', attrib: {}, tail: '' },
    );
    const first = results[0] as { text?: Json } | undefined;
    return { outputs: { results, count: results.length, first_text: typeof first?.text === 'string' ? first.text : '', success: true } };
  },
});

const getXmlElementNode = defineNode({
  types: ['GetXMLElementNode'],
  effect: 'pure',
  config: z.looseObject({ xml_string: optionalText(), tag_name: nonEmptyText(), index: integer(0) }),
  ports: { inputs: ['xml_string', 'tag_name', 'index'], outputs: ['tag', 'text', 'attributes', 'child_count', 'found'] },
  run(config, execution) {
    const root = rootOf(parseXml(xmlOf(config.xml_string, execution), 'xml_string'));
    const matches = Array.from(root.getElementsByTagName(config.tag_name));
    const element = config.index >= 0 ? matches[config.index] : undefined;
    if (!element) return { outputs: { tag: '', text: '', attributes: {}, child_count: 0, found: false } };
    const described = describeElement(element);
    return {
      outputs: {
        tag: element.tagName,
        text: described['text'] ?? '',
        attributes: described['attrib'] ?? {},
        child_count: childElements(element).length,
        found: true,
      },
    };
  },
});

const getXmlAttributeNode = defineNode({
  types: ['GetXMLAttributeNode'],
  effect: 'pure',
  config: z.looseObject({ xml_string: optionalText(), xpath: text('.'), attribute_name: nonEmptyText() }),
  ports: { inputs: ['xml_string', 'xpath', 'attribute_name'], outputs: ['value', 'found'] },
  run(config, execution) {
    const root = rootOf(parseXml(xmlOf(config.xml_string, execution), 'xml_string'));
    const element = asNodes(select(config.xpath.trim() === '' ? '.' : config.xpath, root)).find((node) => node.nodeType === 1) as unknown as
      Element | undefined;
    if (!element || !element.hasAttribute(config.attribute_name)) return { outputs: { value: '', found: false } };
    return { outputs: { value: element.getAttribute(config.attribute_name) ?? '', found: true } };
  },
});

const xmlToJsonNode = defineNode({
  types: ['XMLToJsonNode'],
  effect: 'pure',
  config: z.looseObject({ xml_string: text(), include_attributes: boolean(true), text_key: text('#text') }),
  ports: { inputs: ['xml_string'], outputs: ['json_data', 'json_string', 'success'] },
  run(config) {
    const root = rootOf(parseXml(config.xml_string, 'xml_string'));
    const jsonData = { [root.tagName]: elementToJson(root, config.include_attributes, config.text_key) };
    return { outputs: { json_data: jsonData, json_string: JSON.stringify(jsonData, null, 2), success: true } };
  },
});

const jsonToXmlNode = defineNode({
  types: ['JsonToXMLNode'],
  effect: 'pure',
  config: z.looseObject({ json_data: anyValue(), root_tag: text('root'), pretty_print: boolean(true) }),
  ports: { inputs: ['json_data'], outputs: ['xml_string', 'success'] },
  run(config) {
    let data = config.json_data;
    if (data === null) throw new ConfigFieldError('json_data', 'required');
    if (typeof data === 'string') {
      const parsed = tryParseJson(data);
      if (parsed === undefined) throw new ConfigFieldError('json_data', 'expected JSON data or JSON text');
      data = parsed;
    }
    return { outputs: { xml_string: jsonToXml(data, config.root_tag, config.pretty_print), success: true } };
  },
});

/** XML nodes: parse, XPath, element and attribute lookups, XML to JSON and back (all pure). */
export const xmlNodeHandlers: readonly CatalogNodeHandler[] = [
  parseXmlNode,
  xpathQueryNode,
  getXmlElementNode,
  getXmlAttributeNode,
  xmlToJsonNode,
  jsonToXmlNode,
];
