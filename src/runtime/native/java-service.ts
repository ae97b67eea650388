import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tailFile } from '../../process/log-file.ts';
import { livePid, spawnDaemon, stopPid } from '../../process/daemon.ts';
import { jvmHeapOptions, jvmTuningOptions } from '../jvm.ts';
import type { Layout } from './layout.ts';

export interface JavaServiceSpec {
  name: string;
  mainClass: string;
  heap: string;
  /** Files written into the service dir before every start: name → content. */
  files: Record<string, string>;
  /** Of `files`, those holding secrets: readable by their owner only. */
  secretFiles?: string[];
  /** JVM options before the class path; `{dir}` stands for the service directory. */
  jvmArgs?: string[];
  /** Arguments after the main class; `{dir}` stands for the service directory. */
  args: string[];
}

const log4j = `status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.zk.name = org.apache.kafka.clients
logger.zk.level = WARN
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
`;

/**
 * Application class-data sharing (Java 17): the first run records the classes it loaded into `archive`
 * when the JVM exits (`down`); later starts map them instead of parsing and verifying the jars again,
 * which shortens start-up and shares those pages. A stale or foreign archive (other JDK, other jars) is
 * ignored by the JVM with a warning in the log, and rewritten at the next clean stop after its removal.
 */
function classDataSharing(archive: string): string[] {
  // Writing the archive warns about every class it skips (thousands of log lines): those stay out of the log.
  return existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`] : [`-XX:ArchiveClassesAtExit=${archive}`, '-Xlog:cds=off'];
}

/** A JVM service of the native runtime (the broker or the Connect worker) run from the cached jars. */
export class JavaService {
  readonly dir: string;
  readonly log: string;
  private readonly pidFile: string;

  constructor(
    private readonly spec: JavaServiceSpec,
    private readonly paths: Layout,
  ) {
    const s = paths.service(spec.name);
    this.dir = s.dir;
    this.log = s.log;
    this.pidFile = s.pid;
  }

  /** The service's pid if it runs; the marker (its own directory) tells our JVM from a reused pid. */
  pid(): number | undefined {
    return livePid(this.pidFile, this.dir);
  }

  writeFiles(): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'log4j2.properties'), log4j);
    for (const [name, content] of Object.entries(this.spec.files)) {
      const secret = this.spec.secretFiles?.includes(name);
      writeFileSync(join(this.dir, name), content, secret ? { mode: 0o600 } : {});
      if (secret) chmodSync(join(this.dir, name), 0o600);
    }
  }

  /** Runs a one-off tool from the same jars (e.g. the storage formatter) and returns its output. */
  async runTool(mainClass: string, args: string[]) {
    return execa(
      'java',
      ['-cp', `${this.paths.kafkaLibs}/*`, `-Dlog4j2.configurationFile=${join(this.dir, 'log4j2.properties')}`, mainClass, ...args],
      { reject: false, all: true },
    );
  }

  start(): number {
    this.writeFiles();
    const inDir = (a: string) => a.replaceAll('{dir}', this.dir);
    const args = this.spec.args.map(inDir);
    return spawnDaemon({
      command: 'java',
      args: [
        ...jvmHeapOptions(this.spec.heap),
        ...jvmTuningOptions,
        ...classDataSharing(join(this.dir, 'classes.jsa')),
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(this.dir, 'log4j2.properties')}`,
        `-Dcqrsctl.service=${this.dir}`,
        ...(this.spec.jvmArgs ?? []).map(inDir),
        '-cp',
        `${this.paths.kafkaLibs}/*`,
        this.spec.mainClass,
        ...args,
      ],
      pidFile: this.pidFile,
      logFile: this.log,
      cwd: this.dir,
    });
  }

  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid) await stopPid(pid, 30_000);
  }

  logTail(lines: number): string {
    return tailFile(this.log, lines);
  }
}
