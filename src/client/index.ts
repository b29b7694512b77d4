// PLACEHOLDER — being replaced by the WhatsApp-side simulator (createFlowClient).
export {}
