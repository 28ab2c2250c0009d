import * as vitest from 'vitest';
import { durableRunnerContract } from '@casare-rpa/application/testkit';
import { InMemoryHarness } from './in-memory-harness.js';

durableRunnerContract(vitest, 'InMemoryDurableRunner', () => new InMemoryHarness());
