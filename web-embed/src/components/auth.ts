export interface AuthFields {
  username: string
  password: string
  displayName: string
}
