import { join } from 'node:path';
import type { Config } from '../../config/config.ts';
import { debeziumVersion, jarDirs, kafkaVersion } from '../jars.ts';

/** Bumped whenever pom.xml gains a jar, so a cache fetched before is completed (2: connect-basic-auth-extension). */
const jarSet = 2;

/** Where the native runtime keeps each service's data, config, log and pid file under the state dir. */
export function layout(config: Config) {
  const home = config.settings.home;
  const cache = config.settings.cache;
  const service = (name: string) => ({
    dir: join(home, name),
    data: join(home, name, 'data'),
    log: join(home, name, `${name}.log`),
    pid: join(home, name, `${name}.pid`),
  });
  const jars = jarDirs(cache);
  return {
    home,
    service,
    kafkaLibs: jars.libs,
    pluginPath: jars.plugins,
    jarsReady: join(cache, `jars-${kafkaVersion}-${debeziumVersion}-${jarSet}.ok`),
  };
}
export type Layout = ReturnType<typeof layout>;
