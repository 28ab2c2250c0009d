import { setTimeout as delay } from 'node:timers/promises';
import type { NodeExecution } from '@casare-rpa/application';
import { z } from 'zod';
import type { Frame, Locator, Page } from 'playwright-core';
import { integer, number, optionalText, text } from '../catalog/config-schema.js';
import { ConfigFieldError } from '../catalog/node-config-error.js';
import { defineNode, type CatalogNodeHandler } from '../catalog/node-definition.js';
import { chatCompletion, type ChatContentPart, type LlmConfig } from '../connectors/connector-nodes.js';
import { LlmAnswerError } from '../llm/llm-answer.js';
import { milliseconds, pageFields, pageOf } from './browser-config.js';
import { runOnPage, type BrowserNodeDependencies, type PageStepResult } from './browser-step.js';
import { performPageAction } from './page-actions.js';
import type { PageAction } from './page-hint.js';

// SolveCaptchaAINode asks a vision model (any OpenAI-compatible chat endpoint; the default is
// Google's, serving v1's Gemini models) what a captcha image shows. With `input_selector` it reads
// a text captcha and types the answer into the field (a page action, so recovery types it again);
// without, it works v1's reCAPTCHA image grid: which tiles match the instruction, click them, verify.

/** v1's default model, on Google's OpenAI-compatible endpoint. */
const GEMINI_OPENAI_API = 'https://generativelanguage.googleapis.com/v1beta/openai';

const CHALLENGE_FRAMES = ['iframe[title*="recaptcha challenge"]', 'iframe[src*="bframe"]', 'iframe[src*="recaptcha"][src*="k="]'];
const GRID = '.rc-imageselect-table, .rc-image-tile-wrapper, .rc-imageselect-table-33, .rc-imageselect-table-44';
const TILES = '.rc-imageselect-tile, .rc-image-tile-wrapper';
const INSTRUCTION = '.rc-imageselect-desc-wrapper, .rc-imageselect-desc, .rc-imageselect-instructions';
const VERIFY = '#recaptcha-verify-button, .rc-button-default, button[id*="verify"], .verify-button-holder button';

type AiConfig = {
  readonly api_key?: string | undefined;
  readonly credential_id?: string | undefined;
  readonly base_url: string;
  readonly model: string;
  readonly llm_timeout: number;
};

/** Asks the model about one PNG; returns its answer text. */
async function askAboutImage(execution: NodeExecution, config: AiConfig, prompt: string, png: Buffer): Promise<string> {
  if (!config.api_key && config.credential_id) {
    throw new ConfigFieldError('credential_id', 'stored Google OAuth credentials are not supported; give api_key (e.g. {{$secret:GEMINI_API_KEY}})');
  }
  const llm: LlmConfig = {
    api_key: config.api_key,
    base_url: config.base_url,
    model: config.model.replace(/^models\//, ''),
    system_prompt: '',
    temperature: 0.1,
    max_tokens: 500,
    timeout: config.llm_timeout,
  };
  const content: ChatContentPart[] = [
    { type: 'text', text: prompt },
    { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
  ];
  return (await chatCompletion(execution, llm, [{ role: 'user', content }])).response;
}

/** The characters of a text captcha the model read, without quotes, code fences or spaces. */
function captchaText(execution: NodeExecution, answer: string): string {
  const cleaned = answer
    .trim()
    .replace(/^```[a-z]*\s*|\s*```$/g, '')
    .replace(/^["'`]+|["'`.]+$/g, '')
    .replace(/\s+/g, '');
  if (cleaned === '' || cleaned.length > 32) throw new LlmAnswerError(execution.node.id, 'is not the text of a captcha (1 to 32 characters)', answer);
  return cleaned;
}

/** The reCAPTCHA challenge frame (or the page itself) showing an image grid, if one is visible. */
async function findChallenge(page: Page): Promise<{ frame: Frame; container: Locator } | undefined> {
  for (const selector of CHALLENGE_FRAMES) {
    for (const element of await page.locator(selector).all()) {
      if (!(await element.isVisible())) continue;
      const frame = await (await element.elementHandle())?.contentFrame();
      if (frame && (await frame.locator(GRID).count()) > 0) return { frame, container: element };
    }
  }
  const grid = page.locator(GRID).first();
  if ((await grid.count()) > 0 && (await grid.isVisible())) {
    const challenge = page.locator('.rc-imageselect, .rc-imageselect-challenge').first();
    return { frame: page.mainFrame(), container: (await challenge.count()) > 0 ? challenge : grid };
  }
  return undefined;
}

async function gridSize(frame: Frame): Promise<{ rows: number; cols: number }> {
  const tiles = await frame.locator(TILES).count();
  if (tiles === 16 || (tiles !== 9 && (await frame.locator('.rc-imageselect-table-44').count()) > 0)) return { rows: 4, cols: 4 };
  return { rows: 3, cols: 3 };
}

function gridPrompt(instruction: string, size: { rows: number; cols: number }): string {
  const cells = Array.from({ length: size.rows }, (_, row) => Array.from({ length: size.cols }, (_, col) => `(${row + 1},${col + 1})`).join(' ')).join('\n');
  return [
    `This is a reCAPTCHA image challenge: a ${size.rows}x${size.cols} grid of images, cells numbered (row,column):`,
    cells,
    `The challenge says: "${instruction}".`,
    'Which cells show what it asks for? Answer only with their coordinates, like (1,2), (3,1); answer NONE when no cell matches.',
  ].join('\n');
}

/** The cells named in the model's answer, inside the grid, each once, in order. */
export function parseGridAnswer(answer: string, size: { rows: number; cols: number }): Array<[number, number]> {
  if (/\bnone\b/i.test(answer)) return [];
  const cells: Array<[number, number]> = [];
  for (const match of answer.matchAll(/\(?\s*(\d+)\s*,\s*(\d+)\s*\)?/g)) {
    const row = Number(match[1]);
    const col = Number(match[2]);
    if (row >= 1 && row <= size.rows && col >= 1 && col <= size.cols && !cells.some(([r, c]) => r === row && c === col)) cells.push([row, col]);
  }
  return cells;
}

async function clickCell(frame: Frame, [row, col]: [number, number], size: { rows: number; cols: number }, timeout: number): Promise<void> {
  const cell = frame.locator(`table.rc-imageselect-table-${size.rows}${size.cols} tr:nth-child(${row}) td:nth-child(${col})`).first();
  if ((await cell.count()) > 0) return cell.click({ timeout });
  await frame
    .locator(TILES)
    .nth((row - 1) * size.cols + (col - 1))
    .click({ timeout });
}

/** Waits up to `ms` for the challenge to go away; true when it did. */
async function challengeGone(execution: NodeExecution, page: Page, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await findChallenge(page))) return true;
    if (Date.now() >= deadline) return false;
    await delay(100, undefined, { signal: execution.signal });
  }
}

/** Waits up to `ms` for a challenge to show; true when one did. */
async function challengeAppears(execution: NodeExecution, page: Page, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await findChallenge(page)) return true;
    if (Date.now() >= deadline) return false;
    await delay(100, undefined, { signal: execution.signal });
  }
}

/** v1's grid loop: ask, click the new matching tiles, verify (a 4x4 grid at once, a 3x3 one when nothing new matches). */
async function solveGrid(execution: NodeExecution, page: Page, config: AiConfig & { max_attempts: number; timeout: number }): Promise<PageStepResult> {
  const logs: string[] = [];
  if (!(await challengeAppears(execution, page, Math.min(config.timeout, 3000)))) {
    return { outputs: { solved: true, attempts: 0, text: '' }, logs: ['no captcha challenge is visible: nothing to solve'] };
  }
  const clicked = new Set<string>();
  for (let attempt = 1; attempt <= config.max_attempts; attempt++) {
    const challenge = await findChallenge(page);
    if (!challenge) return { outputs: { solved: true, attempts: attempt - 1, text: '' }, logs };
    const size = await gridSize(challenge.frame);
    const instruction = (
      (await challenge.frame
        .locator(INSTRUCTION)
        .first()
        .textContent({ timeout: config.timeout })
        .catch(() => '')) ?? ''
    ).trim();
    const answer = await askAboutImage(execution, config, gridPrompt(instruction, size), await challenge.container.screenshot({ timeout: config.timeout }));
    const fresh = parseGridAnswer(answer, size).filter(([row, col]) => !clicked.has(`${row},${col}`));
    logs.push(`attempt ${attempt}: the model named ${fresh.length} new tile(s) for "${instruction}"`);
    for (const cell of fresh) {
      await clickCell(challenge.frame, cell, size, config.timeout);
      clicked.add(`${cell[0]},${cell[1]}`);
    }
    // A 3x3 grid may replace clicked tiles with new images: ask again until nothing new matches.
    if (fresh.length > 0 && size.rows === 3) continue;
    await challenge.frame.locator(VERIFY).first().click({ timeout: config.timeout });
    if (await challengeGone(execution, page, Math.min(config.timeout, 3000))) return { outputs: { solved: true, attempts: attempt, text: '' }, logs };
    clicked.clear();
  }
  return {
    outputs: { solved: false, attempts: config.max_attempts, text: '' },
    logs: [...logs, `the challenge is still there after ${config.max_attempts} attempt(s)`],
  };
}

/**
 * SolveCaptchaAINode: a captcha solved by a vision model on an OpenAI-compatible endpoint. With
 * `input_selector`: the image at `image_selector` is read and its text typed into the field. Without:
 * v1's reCAPTCHA image grid (tiles clicked, verify pressed) for up to `max_attempts` rounds.
 */
export function solveCaptchaAiNode(deps: BrowserNodeDependencies): CatalogNodeHandler {
  return defineNode({
    types: ['SolveCaptchaAINode'],
    config: z.looseObject({
      credential_id: optionalText(),
      api_key: optionalText(),
      model: text('models/gemini-3-flash-preview'),
      base_url: text(GEMINI_OPENAI_API),
      max_attempts: integer(10),
      timeout: milliseconds(45_000),
      llm_timeout: number(60),
      image_selector: text('img[src*="captcha" i], img[id*="captcha" i], img[class*="captcha" i], img[alt*="captcha" i]'),
      input_selector: optionalText(),
      ...pageFields,
    }),
    ports: { inputs: ['image_selector', 'input_selector'], outputs: ['solved', 'attempts', 'text'] },
    run: (config, execution) => {
      if (config.max_attempts < 1) throw new ConfigFieldError('max_attempts', 'must be at least 1');
      return runOnPage(execution, deps, pageOf(config), async (page) => {
        const input = config.input_selector;
        if (input === undefined) return solveGrid(execution, page, config);
        const image = page.locator(config.image_selector).first();
        await image.waitFor({ state: 'visible', timeout: config.timeout });
        const prompt = 'This image is a captcha. Answer with exactly the characters it shows, in order, and nothing else.';
        const answer = captchaText(execution, await askAboutImage(execution, config, prompt, await image.screenshot({ timeout: config.timeout })));
        const action: PageAction = { kind: 'type', selector: input, value: answer, mode: 'fill' };
        await performPageAction(page, action, config.timeout);
        return {
          outputs: { solved: true, attempts: 1, text: answer },
          logs: [`captcha image read as ${answer.length} character(s) and typed into ${input}`],
          record: action,
        };
      });
    },
  });
}
