import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../src/engine/images/changes.js';

describe('--change instructions', () => {
  it('reads CMD and ENTRYPOINT in JSON and shell form; ENTRYPOINT resets a CMD not given before', () => {
    expect(applyChanges({}, ['CMD ["httpd", "-f"]'])).toEqual({ Cmd: ['httpd', '-f'] });
    expect(applyChanges({}, ['cmd echo "hi there"'])).toEqual({
      Cmd: ['/bin/sh', '-c', 'echo "hi there"'],
    });
    expect(applyChanges({ Cmd: ['sh'] }, ['ENTRYPOINT ["/bin/sh","-c"]'])).toEqual({
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: null,
    });
    expect(applyChanges({}, ['CMD ["x"]', 'ENTRYPOINT [not json'])).toEqual({
      Cmd: ['x'],
      Entrypoint: ['/bin/sh', '-c', '[not json'],
    });
  });

  it('reads ENV and LABEL pairs, quoted, and the legacy form; later values replace earlier', () => {
    const env = (...changes: string[]) => applyChanges({}, changes).Env;
    expect(env('ENV PATH=/bin HOME=/root', 'ENV HOME=/home/app WHERE=$HOME/x')).toEqual([
      'PATH=/bin',
      'HOME=/home/app',
      'WHERE=/root/x',
    ]);
    expect(env('ENV GREETING="hello world" EMPTY=', 'ENV LEGACY some value')).toEqual([
      'GREETING=hello world',
      'EMPTY=',
      'LEGACY=some value',
    ]);
    const labels = applyChanges({}, [`LABEL org.example.name="my app" 'quoted key'=x`]).Labels;
    expect(labels).toEqual({ 'org.example.name': 'my app', 'quoted key': 'x' });
  });

  it('reads WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, ONBUILD', () => {
    const config = applyChanges({}, [
      'WORKDIR /srv',
      'WORKDIR app',
      'USER nobody:nogroup',
      'EXPOSE 80 53/udp 8000-8001/TCP',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache',
      'STOPSIGNAL SIGTERM',
      'ONBUILD RUN make',
    ]);
    expect(config).toEqual({
      WorkingDir: '/srv/app',
      User: 'nobody:nogroup',
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} },
      Volumes: { '/data': {}, '/logs': {}, '/cache': {} },
      StopSignal: 'SIGTERM',
      OnBuild: ['RUN make'],
    });
  });

  it.each([
    ['RUN echo hi', 'unsupported instruction RUN'],
    ['CMD', 'CMD needs an argument'],
    ['EXPOSE http', 'invalid port "http"'],
    ['ENV A="unterminated', 'unterminated quote'],
    ['LABEL =x', 'LABEL names can not be blank'],
    ['ONBUILD FROM busybox', "FROM isn't allowed as an ONBUILD trigger"],
    ['HEALTHCHECK --every=1s CMD true', 'unknown flag for HEALTHCHECK: --every'],
  ])('refuses %j', (change, why) => {
    expect(() => applyChanges({}, [change])).toThrow(`invalid change "${change}": ${why}`);
  });
});
