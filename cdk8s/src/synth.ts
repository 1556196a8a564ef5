/** `npm run synth`: regenerates charts/kryptovault and k8s/ from the constructs. */
import { repoRoot } from './paths';
import { GENERATED_DIRS, synthesizeAll, writeFiles } from './render/synthesize';

const files = synthesizeAll();
writeFiles(repoRoot(), files, GENERATED_DIRS);
console.log(`synthesized ${files.size} files into ${GENERATED_DIRS.join(', ')}`);
