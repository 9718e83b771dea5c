import { testExampleScenario } from './example-scenario';

testExampleScenario('quickstart.yaml');
