import type { Producer } from 'kafkajs';
import type { Change } from './decode.ts';

/**
 * The dead-letter topic: the original key and value, with why and where from in headers, so an operator
 * can inspect (`cqrsctl events tail` does not read it; any Kafka consumer can) and re-inject.
 */
export class DeadLetters {
  constructor(
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  async send(change: Change, replica: string, reason: string): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      // kafkajs's default, written out: a letter counts as sent once every in-sync replica has it.
      acks: -1,
      messages: [
        {
          key: change.key,
          value: change.rawValue,
          headers: {
            'cqrsctl.reason': reason,
            'cqrsctl.replica': replica,
            'cqrsctl.source.topic': change.topic,
            'cqrsctl.source.partition': String(change.partition),
            'cqrsctl.source.offset': change.offset.toString(),
            'cqrsctl.source.lsn': change.event?.lsn?.toString() ?? '',
            'cqrsctl.source.table': change.event ? `${change.event.schema}.${change.event.table}` : '',
          },
        },
      ],
    });
  }
}
