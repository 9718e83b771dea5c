import { testExampleScenario } from './example-scenario';

testExampleScenario('bookinfo.yaml');
