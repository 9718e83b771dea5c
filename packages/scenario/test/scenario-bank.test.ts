import { testExampleScenario } from './example-scenario';

testExampleScenario('bank.yaml');
