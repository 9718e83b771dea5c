import { testExampleScenario } from './example-scenario';

testExampleScenario('policy-change.yaml');
