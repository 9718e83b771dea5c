import t from 'tap';
import { EXAMPLE_FILES, listExampleFiles } from './example-scenario';

t.test('every example scenario has its end-to-end test file', async (t) => {
  t.same(listExampleFiles(), EXAMPLE_FILES);
});
