import { describe, expect, it } from 'vitest';
import { applyChanges, splitWords } from '../../src/engine/images/changes.js';

describe('--change instructions', () => {
  it('reads CMD and ENTRYPOINT in JSON and shell form', () => {
    expect(applyChanges({}, ['CMD ["httpd", "-f"]'])).toEqual({ Cmd: ['httpd', '-f'] });
    expect(applyChanges({}, ['cmd echo "hi there"'])).toEqual({
      Cmd: ['/bin/sh', '-c', 'echo "hi there"'],
    });
    expect(applyChanges({}, ['ENTRYPOINT ["/bin/sh","-c"]'])).toEqual({
      Entrypoint: ['/bin/sh', '-c'],
    });
    expect(applyChanges({}, ['ENTRYPOINT [not json'])).toEqual({
      Entrypoint: ['/bin/sh', '-c', '[not json'],
    });
  });

  it('reads ENV and LABEL pairs, quoted, and the legacy form; later values replace earlier', () => {
    const config = applyChanges({}, [
      'ENV PATH=/bin:/usr/bin HOME=/root',
      'ENV GREETING="hello world" EMPTY=',
      'ENV LEGACY some value here',
      'ENV HOME=/home/app',
      `LABEL org.example.name="my app" version=1 'quoted key'=x`,
    ]);
    expect(config.Env).toEqual([
      'PATH=/bin:/usr/bin',
      'HOME=/home/app',
      'GREETING=hello world',
      'EMPTY=',
      'LEGACY=some value here',
    ]);
    expect(config.Labels).toEqual({
      'org.example.name': 'my app',
      version: '1',
      'quoted key': 'x',
    });
  });

  it('reads WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL', () => {
    const config = applyChanges({}, [
      'WORKDIR /srv',
      'WORKDIR app',
      'USER nobody:nogroup',
      'EXPOSE 80 53/udp 8000-8002/TCP',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache',
      'STOPSIGNAL SIGTERM',
    ]);
    expect(config).toEqual({
      WorkingDir: '/srv/app',
      User: 'nobody:nogroup',
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8000-8002/tcp': {} },
      Volumes: { '/data': {}, '/logs': {}, '/cache': {} },
      StopSignal: 'SIGTERM',
    });
  });

  it.each([
    ['RUN echo hi', 'unsupported instruction RUN'],
    ['CMD', 'CMD needs an argument'],
    ['EXPOSE http', 'invalid port "http"'],
    ['ENV A="unterminated', 'unterminated " quote'],
    ['LABEL =x', '"=x" is not key=value'],
  ])('refuses %j', (change, why) => {
    expect(() => applyChanges({}, [change])).toThrow(`invalid change "${change}": ${why}`);
  });

  it('splits words with quotes and escapes', () => {
    expect(splitWords(`a "b c" 'd "e"' f\\ g ""`)).toEqual(['a', 'b c', 'd "e"', 'f g', '']);
  });
});
