/** jest `globalTeardown`: removes the run's shared directory (./run-dir). */
export { removeRunDir as default } from "./run-dir";
