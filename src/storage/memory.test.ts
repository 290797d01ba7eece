import { MemoryStore } from './memory.js';
import { runStoreSuite } from './store.case.js';

runStoreSuite('MemoryStore', async () => new MemoryStore());
