import { testExampleScenario } from './example-scenario';

testExampleScenario('faults.yaml');
