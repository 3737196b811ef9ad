"""The command line: flags -> stages -> report -> exit code. The composition root, and the only
package that imports providers."""
