export {
  startDemoSite,
  fetchSubmissions,
  DEMO_SITE_PORT,
  DEMO_USERNAME,
  DEMO_PASSWORD,
  type DemoSite,
  type DemoSiteOptions,
  type SubmissionReport,
  type RawSubmission,
} from './demo-site.js';
export type { DemoInvoice } from './demo-pages.js';
