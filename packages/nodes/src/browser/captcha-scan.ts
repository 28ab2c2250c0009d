import type { Page } from 'playwright-core';

// Finding captcha widgets on a page: one pass over the live DOM in the page, shared by
// DetectCaptchaNode (what is there) and SolveCaptchaNode (the site key it needs when none is given).

/** The captcha kinds the scan tells apart; `image_captcha` is a plain picture of text to type. */
export const CAPTCHA_KINDS = ['recaptcha_v2', 'recaptcha_v3', 'hcaptcha', 'turnstile', 'image_captcha'] as const;
/** One captcha kind. */
export type CaptchaKind = (typeof CAPTCHA_KINDS)[number];

/** One captcha widget the scan found. */
export interface FoundCaptcha {
  readonly type: CaptchaKind;
  /** Its site key, `''` when the page does not show one (an image captcha has none). */
  readonly sitekey: string;
  /** What gave it away (`.g-recaptcha`, `script[src]`, `iframe[src]`...), for logs. */
  readonly evidence: string;
}

/** What a scan found, in the order of `CAPTCHA_KINDS`. */
export interface CaptchaScan {
  readonly captchas: readonly FoundCaptcha[];
  /** The reCAPTCHA image challenge (or what `challengeSelector` names) is visible. */
  readonly challengeVisible: boolean;
}

// Runs in the page. Reads widgets (`.g-recaptcha`, `.h-captcha`, `.cf-turnstile`, any
// `[data-sitekey]`), the vendors' iframes and scripts (a reCAPTCHA script loaded with
// `render=<key>` is v3), their response fields, and images that say "captcha".
function scanPage(challengeSelector: string): CaptchaScan {
  const found: FoundCaptcha[] = [];
  const add = (type: CaptchaKind, sitekey: string, evidence: string) => {
    const same = found.find((entry) => entry.type === type);
    if (!same) found.push({ type, sitekey, evidence });
    else if (same.sitekey === '' && sitekey !== '') found.splice(found.indexOf(same), 1, { type, sitekey, evidence });
  };
  const param = (url: string, name: string): string => {
    const match = new RegExp(`[?&#]${name}=([^&#]+)`).exec(url);
    return match?.[1] ? decodeURIComponent(match[1]) : '';
  };
  const vendorOf = (element: Element): 'hcaptcha' | 'turnstile' | 'recaptcha' => {
    if (element.closest('.h-captcha')) return 'hcaptcha';
    if (element.closest('.cf-turnstile')) return 'turnstile';
    return 'recaptcha';
  };

  for (const element of document.querySelectorAll('.g-recaptcha, .h-captcha, .cf-turnstile, [data-sitekey]')) {
    const vendor = vendorOf(element);
    const sitekey = element.getAttribute('data-sitekey') ?? '';
    if (vendor === 'recaptcha') add('recaptcha_v2', sitekey, '[data-sitekey]');
    else add(vendor, sitekey, `.${vendor === 'hcaptcha' ? 'h-captcha' : 'cf-turnstile'}`);
  }
  for (const script of document.querySelectorAll<HTMLScriptElement>('script[src]')) {
    const src = script.src;
    if (/\/recaptcha\/(api|enterprise)\.js/.test(src)) {
      const render = param(src, 'render');
      if (render !== '' && render !== 'explicit' && render !== 'onload') add('recaptcha_v3', render, 'script[src] render=');
      else add('recaptcha_v2', '', 'script[src]');
    } else if (/hcaptcha\.com\/1\/api\.js/.test(src)) add('hcaptcha', '', 'script[src]');
    else if (/challenges\.cloudflare\.com\/turnstile/.test(src)) add('turnstile', '', 'script[src]');
  }
  for (const frame of document.querySelectorAll<HTMLIFrameElement>('iframe')) {
    const src = frame.src;
    const title = frame.title.toLowerCase();
    if (/\/recaptcha\/(api2|enterprise)\//.test(src) || title.includes('recaptcha')) {
      add(param(src, 'size') === 'invisible' ? 'recaptcha_v3' : 'recaptcha_v2', param(src, 'k'), 'iframe[src]');
    } else if (/hcaptcha\.com/.test(src)) add('hcaptcha', param(src, 'sitekey'), 'iframe[src]');
    else if (/challenges\.cloudflare\.com/.test(src)) add('turnstile', param(src, 'sitekey') || param(src, 'k'), 'iframe[src]');
  }
  // hCaptcha fills a g-recaptcha-response field too, for sites written for reCAPTCHA.
  if (!found.some((entry) => entry.type === 'hcaptcha') && document.querySelector('[name="g-recaptcha-response"], #g-recaptcha-response')) {
    add('recaptcha_v2', '', 'g-recaptcha-response');
  }
  if (document.querySelector('[name="h-captcha-response"]')) add('hcaptcha', '', 'h-captcha-response');
  if (document.querySelector('[name="cf-turnstile-response"]')) add('turnstile', '', 'cf-turnstile-response');
  for (const image of document.querySelectorAll<HTMLImageElement>('img')) {
    const words = `${image.id} ${image.className} ${image.alt} ${image.getAttribute('src') ?? ''} ${image.name}`;
    if (/captcha/i.test(words) && !/recaptcha|hcaptcha/i.test(words)) add('image_captcha', '', 'img');
  }

  let challengeVisible = false;
  try {
    challengeVisible = [...document.querySelectorAll(challengeSelector)].some((element) => {
      const box = element.getBoundingClientRect();
      return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== 'hidden';
    });
  } catch {
    challengeVisible = false;
  }
  const order = ['recaptcha_v2', 'recaptcha_v3', 'hcaptcha', 'turnstile', 'image_captcha'];
  return { captchas: found.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type)), challengeVisible };
}

/** Scans the page once (see `scanPage`). */
export function scanForCaptchas(page: Page, challengeSelector: string): Promise<CaptchaScan> {
  return page.evaluate(scanPage, challengeSelector);
}

/** The captcha of the wanted kind in a scan (`auto`: the first found with a site key, else the first; reCAPTCHA v2 and v3 stand for each other). */
export function captchaOfKind(scan: CaptchaScan, wanted: CaptchaKind | 'auto'): FoundCaptcha | undefined {
  if (wanted === 'auto') return scan.captchas.find((captcha) => captcha.sitekey !== '') ?? scan.captchas[0];
  const exact = scan.captchas.find((captcha) => captcha.type === wanted);
  if (exact || !wanted.startsWith('recaptcha')) return exact;
  return scan.captchas.find((captcha) => captcha.type.startsWith('recaptcha'));
}
