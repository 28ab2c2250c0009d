import * as vitest from 'vitest';
import { durableRunnerContract } from '@casare-rpa/testkit';
import { InMemoryHarness } from './in-memory-harness.js';

durableRunnerContract(vitest, 'InMemoryDurableRunner', () => new InMemoryHarness());
