import { createApp } from 'vue'
import EmbedApp from './EmbedApp.vue'
import '../page.css'
import '../components/imchat.css'

createApp(EmbedApp).mount('#app')
