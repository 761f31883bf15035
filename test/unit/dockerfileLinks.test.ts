import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dockerfileLines } from '../../src/inspector/dockerfileLinks';

const DOCKERFILE = `# syntax=docker/dockerfile:1
FROM busybox:local AS build
RUN echo build > /b

FROM busybox:local
ENV APP_HOME /app
WORKDIR /app
RUN mkdir -p /app/data \\
    && echo hello > /app/data/hello.txt
COPY --from=build /b /app/b
EXPOSE 8080
CMD ["cat", "/app/data/hello.txt"]
`;

const step = (createdBy: string, layer?: number) => ({ createdBy, layer });

describe('Dockerfile lines of history steps', () => {
  test("classic builder wording: each of the final stage's steps links to its line, the base image's do not", () => {
    const steps = [
      step('/bin/sh -c #(nop) ADD file:abc in / ', 0),
      step('/bin/sh -c #(nop)  CMD ["sh"]'),
      step('/bin/sh -c #(nop)  ENV APP_HOME=/app'),
      step('/bin/sh -c #(nop) WORKDIR /app'),
      step('/bin/sh -c mkdir -p /app/data     && echo hello > /app/data/hello.txt', 1),
      step('/bin/sh -c #(nop) COPY file:0123 in /app/b ', 2),
      step('/bin/sh -c #(nop)  EXPOSE 8080'),
      step('/bin/sh -c #(nop)  CMD ["cat" "/app/data/hello.txt"]'),
    ];
    assert.deepEqual(dockerfileLines(steps, DOCKERFILE), [undefined, undefined, 5, 6, 7, 9, 10, 11]);
  });

  test('BuildKit wording', () => {
    const steps = [
      step('/bin/sh -c #(nop) ADD file:abc in / ', 0),
      step('ENV APP_HOME=/app'),
      step('WORKDIR /app', 1),
      step('RUN /bin/sh -c mkdir -p /app/data     && echo hello > /app/data/hello.txt # buildkit', 2),
      step('COPY /b /app/b # buildkit', 3),
      step('EXPOSE map[8080/tcp:{}]'),
      step('CMD ["cat" "/app/data/hello.txt"]'),
    ];
    assert.deepEqual(dockerfileLines(steps, DOCKERFILE), [undefined, 5, 6, 7, 9, 10, 11]);
  });

  test('another Dockerfile does not link', () => {
    const steps = [step('/bin/sh -c #(nop) ADD file:abc in / ', 0), step('/bin/sh -c apk add curl', 1)];
    assert.equal(dockerfileLines(steps, DOCKERFILE), undefined);
  });
});
