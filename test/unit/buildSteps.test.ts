import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instructionLines, stageNames } from '../../src/commands/buildSteps';

describe('build steps mapped to Dockerfile lines', () => {
  test('comments, blank lines, continuations and heredocs do not count as steps', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1', // 0
      'FROM busybox:local AS build', // 1
      '', // 2
      'RUN echo a \\', // 3
      '  && echo b', // 4
      '# a comment', // 5
      'COPY <<EOF /x', // 6
      'FROM not-an-instruction', // 7
      'EOF', // 8
      'FROM busybox:local', // 9
      'CMD ["sh"]', // 10
    ].join('\n');
    assert.deepEqual(instructionLines(dockerfile), [1, 3, 6, 9, 10]);
    assert.deepEqual(stageNames(dockerfile), ['build']);
  });

  test('the escape directive changes the continuation character', () => {
    assert.deepEqual(instructionLines('# escape=`\nFROM x\nRUN a `\n  b\nCMD c'), [1, 2, 4]);
  });

  test('CRLF files and stage names with platform flags', () => {
    assert.deepEqual(instructionLines('FROM a\r\nRUN b\r\n'), [0, 1]);
    assert.deepEqual(stageNames('FROM --platform=$BUILDPLATFORM golang AS builder\nfrom alpine as final'), ['builder', 'final']);
  });
});
