"""Console backends: byte streams to a node's serial line.

Every backend is opened once per node by the session that shares it; its
``read`` returns b'' at the end of the stream, after which ``close_reason``
says why it ended.

NOTE(esi-leap): what a backend tells viewers (``close_reason``, the reason
of ConsoleUnavailable) never names the console's or BMC's address or port;
those go to the log only (``close_detail``, unavailable()).
"""
import asyncio

from oslo_config import cfg
from oslo_log import log

from esi_leap.common import exception

CONF = cfg.CONF
LOG = log.getLogger(__name__)
READ_SIZE = 65536


class Backend(object):
    """A node's console as an asyncio byte stream."""

    close_reason = 'the console closed'
    # What only the log learns of the ending (addresses, errors), if any.
    close_detail = None
    # Whether the stream ended in a failure rather than a normal close.
    failed = False

    def __init__(self, node_uuid, info):
        self.node_uuid = node_uuid
        self.info = info

    async def open(self):
        """Connect; raise ConsoleUnavailable saying why it cannot."""
        raise NotImplementedError

    async def read(self):
        """Return the next bytes from the console; b'' when it ended."""
        raise NotImplementedError

    async def write(self, data):
        """Send ``data`` to the console's serial line."""
        raise NotImplementedError

    async def close(self):
        """Disconnect; safe to call more than once."""
        raise NotImplementedError

    def unavailable(self, reason, detail):
        """The ConsoleUnavailable error of this backend's node.

        ``reason`` is what the viewer is told; ``detail`` (addresses,
        errors) is logged here and goes no further.
        """
        LOG.warning('Console of node %s unavailable: %s', self.node_uuid,
                    detail)
        return exception.ConsoleUnavailable(node=self.node_uuid,
                                            reason=reason)


class TcpBackend(Backend):
    """A raw TCP console, such as the socat console Ironic runs."""

    reader = writer = None

    async def open(self):
        """Open the TCP connection within [serialconsoleproxy] timeout."""
        timeout = CONF.serialconsoleproxy.backend_timeout
        try:
            self.reader, self.writer = await asyncio.wait_for(
                asyncio.open_connection(self.info.host, self.info.port),
                timeout)
        except (OSError, asyncio.TimeoutError) as e:
            reason = getattr(e, 'strerror', None) or 'no answer within ' \
                '%d s' % timeout
            raise self.unavailable(
                'cannot connect to its console; try again later',
                'cannot connect to %s:%d: %s' % (self.info.host,
                                                 self.info.port, reason))

    async def read(self):
        """Read what the console sent; b'' once it closed."""
        try:
            data = await self.reader.read(READ_SIZE)
        except OSError as e:
            self.failed = True
            self.close_reason = 'the console connection failed'
            self.close_detail = 'connection to %s:%d failed: %s' % (
                self.info.host, self.info.port, e.strerror or e)
            return b''
        if not data:
            self.close_reason = 'the console closed the connection'
        return data

    async def write(self, data):
        """Write to the console, waiting while its buffer is full."""
        if self.writer is None or self.writer.is_closing():
            return
        self.writer.write(data)
        try:
            await self.writer.drain()
        except OSError:
            pass

    async def close(self):
        """Close the TCP connection."""
        if self.writer is not None and not self.writer.is_closing():
            self.writer.close()
