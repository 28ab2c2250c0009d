import type { Page } from 'playwright-core';
import type { PageAction } from './page-hint.js';

/**
 * Performs one page-local action with its value already resolved. Browser nodes and page recovery
 * both go through here, so replaying a hint does exactly what the node did.
 */
export async function performPageAction(page: Page, action: PageAction, timeoutMs: number, keystrokeDelayMs = 0): Promise<void> {
  const target = page.locator(action.selector).first();
  switch (action.kind) {
    case 'type': {
      // A hidden input (e.g. an idempotency field) is not editable by a user, so Playwright refuses
      // to fill it; robots still need to set it, and recovery must set it again.
      const inputType = await target.getAttribute('type', { timeout: timeoutMs });
      if (inputType === 'hidden') {
        await target.evaluate(
          (element, { value, append }) => {
            const input = element as HTMLInputElement;
            input.value = append ? input.value + value : value;
          },
          { value: action.value, append: action.mode === 'append' },
        );
      } else if (action.mode === 'fill' && keystrokeDelayMs === 0) {
        await target.fill(action.value, { timeout: timeoutMs });
      } else {
        if (action.mode === 'fill') await target.fill('', { timeout: timeoutMs });
        await target.pressSequentially(action.value, { timeout: timeoutMs, delay: keystrokeDelayMs });
      }
      return;
    }
    case 'select': {
      const option = action.by === 'index' ? { index: Number(action.value) } : action.by === 'label' ? { label: action.value } : { value: action.value };
      await target.selectOption(option, { timeout: timeoutMs });
      return;
    }
    case 'check':
      await target.setChecked(action.checked, { timeout: timeoutMs });
      return;
  }
}
