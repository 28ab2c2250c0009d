import type { JsonObject } from '@casare-rpa/domain';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeCatalog } from '../nodes-container-module.js';
import { aNodeExecution, aWorkflowNode } from '../testing/node-execution-builder.js';

const catalog = createNodeCatalog();
const run = (type: string, config: JsonObject, variables: JsonObject = {}, id = 'x') =>
  catalog.execute(aNodeExecution(type).withId(id).withConfig(config).withVariables(variables).build());

const ORDER = `<?xml version="1.0"?>
<order id="42" status="open"><customer>Ada</customer><item sku="A1" qty="2">Pen</item><item sku="B2" qty="1">Ink</item></order>`;

describe('XML nodes', () => {
  it('parses, queries with XPath, finds elements and attributes', async () => {
    const parsed = await run('ParseXMLNode', { xml_string: ORDER });
    expect(parsed.outputs).toEqual({ root_tag: 'order', root_text: '', child_count: 3, success: true });
    expect(parsed.variables).toEqual({ _xml_root: ORDER });
    const items = await run('XPathQueryNode', { xml_string: ORDER, xpath: 'item' });
    expect(items.outputs).toEqual({
      results: [
        { tag: 'item', text: 'Pen', attrib: { sku: 'A1', qty: '2' }, tail: '' },
        { tag: 'item', text: 'Ink', attrib: { sku: 'B2', qty: '1' }, tail: '' },
      ],
      count: 2,
      first_text: 'Pen',
      success: true,
    });
    expect((await run('XPathQueryNode', { xpath: 'count(//item)' }, { _xml_root: ORDER })).outputs).toMatchObject({ results: [2], count: 1 });
    expect((await run('GetXMLElementNode', { xml_string: ORDER, tag_name: 'item', index: 1 })).outputs).toEqual({
      tag: 'item',
      text: 'Ink',
      attributes: { sku: 'B2', qty: '1' },
      child_count: 0,
      found: true,
    });
    expect((await run('GetXMLElementNode', { xml_string: ORDER, tag_name: 'nothing' })).outputs['found']).toBe(false);
    expect((await run('GetXMLAttributeNode', { xml_string: ORDER, attribute_name: 'status' })).outputs).toEqual({ value: 'open', found: true });
    expect((await run('GetXMLAttributeNode', { xml_string: ORDER, xpath: "item[@sku='B2']", attribute_name: 'qty' })).outputs).toEqual({
      value: '1',
      found: true,
    });
  });

  it('converts XML to JSON and back the v1 way', async () => {
    const json = await run('XMLToJsonNode', { xml_string: ORDER });
    const expected = {
      order: {
        '@attributes': { id: '42', status: 'open' },
        customer: 'Ada',
        item: [
          { '@attributes': { sku: 'A1', qty: '2' }, '#text': 'Pen' },
          { '@attributes': { sku: 'B2', qty: '1' }, '#text': 'Ink' },
        ],
      },
    };
    expect(json.outputs['json_data']).toEqual(expected);
    const xml = await run('JsonToXMLNode', { json_data: expected['order'], root_tag: 'order', pretty_print: false });
    expect(xml.outputs['xml_string']).toBe(
      '<order id="42" status="open"><customer>Ada</customer><item sku="A1" qty="2">Pen</item><item sku="B2" qty="1">Ink</item></order>',
    );
    const pretty = await run('JsonToXMLNode', { json_data: '{"a": [1, 2], "b": {"c": "x & y"}}' });
    expect(pretty.outputs['xml_string']).toBe('<root>\n  <a>1</a>\n  <a>2</a>\n  <b>\n    <c>x &amp; y</c>\n  </b>\n</root>');
  });

  it('never loads an external entity: an XXE payload fails as an unknown entity, and no request reaches the server', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'casare-xxe-'));
    await writeFile(join(directory, 'secret.txt'), 'TOP-SECRET');
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.end('<!ENTITY leak "LEAKED">');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const payloads = [
        `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://${join(directory, 'secret.txt')}">]><r>&xxe;</r>`,
        `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:${port}/evil.dtd"> %remote;]><r>&leak;</r>`,
        `<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:${port}/evil.dtd"><r>&leak;</r>`,
      ];
      for (const xml_string of payloads) {
        for (const type of ['ParseXMLNode', 'XMLToJsonNode']) {
          await expect(run(type, { xml_string }, {}, 'xxe')).rejects.toThrow(/^nodes\.xxe\.config\.xml_string: not well-formed XML: .*entity/);
        }
      }
      expect(requests).toBe(0);
    } finally {
      server.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('names node and field for bad input', async () => {
    await expect(run('ParseXMLNode', { xml_string: '<a><b></a>' }, {}, 'p')).rejects.toThrow(/^nodes\.p\.config\.xml_string: not well-formed XML/);
    await expect(run('XPathQueryNode', { xml_string: ORDER, xpath: '//[' }, {}, 'q')).rejects.toThrow(/^nodes\.q\.config\.xpath: invalid XPath/);
    await expect(run('XPathQueryNode', { xpath: 'item' }, {}, 'q')).rejects.toThrow(
      'nodes.q.config.xml_string: required (no XML was parsed earlier in this run)',
    );
    await expect(run('GetXMLElementNode', { xml_string: ORDER, tag_name: 'item', index: 'first' }, {}, 'g')).rejects.toThrow(
      /^nodes\.g\.config\.index: expected a number/,
    );
    await expect(run('JsonToXMLNode', { json_data: { 'bad name': 1 } }, {}, 'j')).rejects.toThrow(
      'nodes.j.config.json_data: "bad name" is not an XML element name',
    );
  });

  it('declares the XML nodes pure', () => {
    for (const type of ['ParseXMLNode', 'XPathQueryNode', 'GetXMLElementNode', 'GetXMLAttributeNode', 'XMLToJsonNode', 'JsonToXMLNode'])
      expect(catalog.effectOf(aWorkflowNode(type))).toBe('pure');
  });
});
