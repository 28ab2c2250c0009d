import type { Json, JsonObject } from '@casare-rpa/domain';
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import { ConfigFieldError } from '../catalog/node-config-error.js';

// XML on @xmldom/xmldom: it has no network code and never loads external entities or DTDs, so an
// XXE payload (`<!ENTITY x SYSTEM "file:///etc/passwd">`) cannot read a file or call a server: its
// reference fails as an unknown entity. Every parse error is a config error naming the field.

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** Parses XML text; a malformed document or an entity reference is a config error on `field`. */
export function parseXml(text: string, field: string): Document {
  if (text.trim() === '') throw new ConfigFieldError(field, 'required');
  const fail = (message: string): never => {
    throw new ConfigFieldError(field, `not well-formed XML: ${message.replace(/\s+/g, ' ').trim()}`);
  };
  let document: Document;
  try {
    document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') fail(message);
      },
    }).parseFromString(text, 'text/xml');
  } catch (error) {
    if (error instanceof ConfigFieldError) throw error;
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof ConfigFieldError) throw cause;
    return fail((error as Error).message);
  }
  if (!document.documentElement) fail('no root element');
  return document;
}

/** The root element of a parsed document. */
export function rootOf(document: Document): Element {
  return document.documentElement!;
}

/** Child elements of a node, in order. */
export function childElements(node: Node): Element[] {
  const children: Element[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE) children.push(child as Element);
  }
  return children;
}

/** Text directly inside an element before its first child element (ElementTree's `text`). */
export function leadingText(element: Element): string {
  let text = '';
  for (let child = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === ELEMENT_NODE) break;
    if (child.nodeType === TEXT_NODE || child.nodeType === CDATA_SECTION_NODE) text += child.nodeValue ?? '';
  }
  return text;
}

/** Text right after an element, up to its next sibling element (ElementTree's `tail`). */
export function tailText(element: Element): string {
  let text = '';
  for (let next = element.nextSibling; next && next.nodeType !== ELEMENT_NODE; next = next.nextSibling) {
    if (next.nodeType === TEXT_NODE || next.nodeType === CDATA_SECTION_NODE) text += next.nodeValue ?? '';
  }
  return text;
}

/** An element's attributes as a dictionary. */
export function attributesOf(element: Element): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (let i = 0; i < element.attributes.length; i += 1) {
    const attribute = element.attributes.item(i);
    if (attribute) attributes[attribute.name] = attribute.value;
  }
  return attributes;
}

/** An element as the v1 nodes described matches: tag, text, attributes, tail. */
export function describeElement(element: Element): JsonObject {
  return { tag: element.tagName, text: leadingText(element), attrib: attributesOf(element), tail: tailText(element) };
}

/** The v1 XML-to-JSON mapping: attributes under `@attributes`, text under `textKey`, repeats as lists. */
export function elementToJson(element: Element, includeAttributes: boolean, textKey: string): Json {
  const result: Record<string, Json> = {};
  const attributes = attributesOf(element);
  if (includeAttributes && Object.keys(attributes).length > 0) result['@attributes'] = attributes;
  const children = childElements(element);
  const text = leadingText(element).trim();
  if (text !== '') {
    if (children.length === 0 && Object.keys(result).length === 0) return text;
    result[textKey] = text;
  }
  for (const child of children) {
    const value = elementToJson(child, includeAttributes, textKey);
    const existing = result[child.tagName];
    if (existing === undefined) result[child.tagName] = value;
    else result[child.tagName] = Array.isArray(existing) ? [...(existing as Json[]), value] : [existing, value];
  }
  return Object.keys(result).length > 0 ? result : '';
}

const NAME = /^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?$/;

/** Builds XML text from JSON the v1 way (`@attributes`, `#text`, lists as repeated elements). */
export function jsonToXml(data: Json, rootTag: string, prettyPrint: boolean): string {
  if (!NAME.test(rootTag)) throw new ConfigFieldError('root_tag', `"${rootTag}" is not an XML element name`);
  const document = new DOMParser().parseFromString(`<${rootTag}/>`, 'text/xml');
  const root = document.documentElement!;
  const element = (parent: Element, name: string): Element => {
    if (!NAME.test(name)) throw new ConfigFieldError('json_data', `"${name}" is not an XML element name`);
    const child = document.createElement(name);
    parent.appendChild(child);
    return child;
  };
  const fill = (value: Json, parent: Element): void => {
    if (Array.isArray(value)) {
      for (const item of value as Json[]) fill(item, element(parent, 'item'));
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === '@attributes' && item !== null && typeof item === 'object' && !Array.isArray(item)) {
          for (const [name, attribute] of Object.entries(item))
            parent.setAttribute(name, typeof attribute === 'string' ? attribute : JSON.stringify(attribute));
        } else if (key === '#text') {
          parent.appendChild(document.createTextNode(typeof item === 'string' ? item : JSON.stringify(item)));
        } else if (Array.isArray(item)) {
          for (const entry of item as Json[]) fill(entry, element(parent, key));
        } else {
          fill(item, element(parent, key));
        }
      }
      return;
    }
    if (value !== null) parent.appendChild(document.createTextNode(typeof value === 'string' ? value : String(value)));
  };
  fill(data, root);
  if (prettyPrint) indent(root, 0);
  return new XMLSerializer().serializeToString(document);
}

/** Adds indentation text between element-only children, leaving mixed content as it is. */
function indent(element: Element, depth: number): void {
  const children = childElements(element);
  if (children.length === 0 || leadingText(element).trim() !== '') return;
  const document = element.ownerDocument!;
  for (const child of children) {
    element.insertBefore(document.createTextNode(`\n${'  '.repeat(depth + 1)}`), child);
    indent(child, depth + 1);
  }
  element.appendChild(document.createTextNode(`\n${'  '.repeat(depth)}`));
}
