/**
 * The venue-agnostic connection layer (DESIGN.md section 2, src/connect/): one
 * reconnecting WebSocket loop and one REST client/poller for every venue. Venue modules
 * describe their connections with `SocketSpec` and `RestVenueSpec`/`RestRequest`; the
 * `live` command wires them to the pipeline and the recorder.
 */

export { Backoff, type BackoffOptions } from './backoff.js';
export { MemoryLogger, silentLogger, type Logger } from './logger.js';
export { RateMeter } from './rate-meter.js';
export {
  RestClient,
  RestPoller,
  fetchTransport,
  parseRetryAfter,
  type HttpRequestInit,
  type HttpResponseLike,
  type HttpTransport,
  type PollSpec,
  type PollStats,
  type QueryParams,
  type RequestOptions,
  type RestClientOptions,
  type RestClientStats,
  type RestFailure,
  type RestFailureReason,
  type RestPollerOptions,
  type RestPollerStats,
  type RestRequest,
  type RestResult,
  type RestSuccess,
  type RestVenueSpec,
} from './rest.js';
export {
  ReconnectingSocket,
  defaultSocketFactory,
  type ChannelStats,
  type ConnectionState,
  type ControlFrameKind,
  type ConnectionStats,
  type DisconnectNotice,
  type FrameCounts,
  type InboundFrame,
  type ReconnectingSocketOptions,
  type SocketFactory,
} from './socket.js';
export {
  newFrameInfo,
  type FrameClassifier,
  type FrameInfo,
  type FrameKind,
  type KeepaliveSpec,
  type OrderKeyReader,
  type SocketSpec,
  type SubscribeRequest,
} from './socket-spec.js';
