export { main, buildProgram, isUserError } from './main';
