import test from 'ava';
import { parseOomRecord } from '../src/runtime/kernel-log.js';

test('the kernel\'s oom-kill summary names the cgroup and the victim', (t) => {
  const record = '6,2034,881234567,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/ctr-tui/lab,task_memcg=/ctr-tui/lab,task=hungry,pid=4242,uid=0';
  t.deepEqual(parseOomRecord(record), { memcg: '/ctr-tui/lab', pid: 4242, comm: 'hungry' });
});

test('the "Killed process" line, which is not rate-limited, names the victim only', (t) => {
  const record = '3,2035,881234600,-;Memory cgroup out of memory: Killed process 4242 (hungry) total-vm:68000kB, anon-rss:65000kB, file-rss:0kB';
  t.deepEqual(parseOomRecord(record), { memcg: null, pid: 4242, comm: 'hungry' });
});

test('other kernel lines are not OOM kills', (t) => {
  t.is(parseOomRecord('6,1,1,-;eth0: link becomes ready'), null);
  t.is(parseOomRecord('4,2,2,-;oom-kill:constraint=CONSTRAINT_NONE'), null);
});
