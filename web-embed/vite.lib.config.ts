import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The Vue component package: `import { ImChat, useImChat } from '@imchat/web-embed'`.
export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: 'lib',
    emptyOutDir: true,
    target: 'es2022',
    copyPublicDir: false,
    cssCodeSplit: false,
    lib: {
      entry: fileURLToPath(new URL('src/lib.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'imchat.js',
      cssFileName: 'imchat',
    },
    rollupOptions: {
      external: ['vue', 'graphql-ws'],
    },
  },
})
