// The library entry: the <ImChat> component, the headless composable and the client core.

export { default as ImChat } from './components/ImChat.vue'
export { useImChat, defaultDeviceType } from './useImChat'
export type { ImChatHandle, UseImChatOptions } from './useImChat'
export { ChatClient, newClientId, describeError } from './core/client'
export type { ChatClientOptions, MentionInput } from './core/client'
export {
  createTransport,
  GraphQLRequestError,
  NetworkError,
  resolveEndpoint,
} from './core/transport'
export type { DeviceType, Transport, TransportOptions } from './core/transport'
export * from './core/store'
export * from './core/mentions'
export type * from './core/types'
export * as operations from './core/operations'
