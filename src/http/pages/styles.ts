// The response link pages' only stylesheet, inlined in a nonce'd <style> (the CSP allows no other): plain CSS,
// readable on a phone, with the offer/decline/question details shown by :has() rather than script.
export const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;display:flex;flex-direction:column;min-height:100vh;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:1rem;line-height:1.5;color:#0b0c0c;background:#fff}
@media (min-width:40em){body{font-size:1.1875rem}}
.wrap{max-width:50rem;margin:0 auto;padding:0 1rem}
@media (min-width:40em){.wrap{padding:0 1.875rem}}
.skip{position:absolute;left:-9999px;top:0}
.skip:focus{position:static;display:block;padding:.5rem 1rem;background:#fd0;color:#0b0c0c;outline:3px solid transparent;text-decoration:underline}
.site-header{background:#0b0c0c;color:#fff;border-bottom:.5rem solid #1d70b8}
.site-header .wrap{padding-top:.75rem;padding-bottom:.75rem;font-weight:700;font-size:1.125rem}
main{display:block;flex:1 0 auto;padding:1.5rem 0 3rem}
.nowrap{white-space:nowrap}
main:focus{outline:none}
h1{font-size:2rem;line-height:1.1;margin:0 0 1.25rem}
@media (min-width:40em){h1{font-size:2.75rem}}
h2{font-size:1.375rem;line-height:1.2;margin:2.25rem 0 1rem}
@media (min-width:40em){h2{font-size:1.75rem}}
p{margin:0 0 1rem}
.caption{display:block;color:#505a5f;font-size:1.125rem;margin-bottom:.25rem}
.lead{font-size:1.125rem}
@media (min-width:40em){.lead{font-size:1.375rem}}
a{color:#1d70b8;text-decoration:underline;text-underline-offset:.15em}
a:visited{color:#4c2c92}
a:hover{color:#003078;text-decoration-thickness:3px}
a:focus-visible{outline:3px solid transparent;color:#0b0c0c;background:#fd0;box-shadow:0 -2px #fd0,0 4px #0b0c0c;text-decoration:none}
.inset{border-left:10px solid #b1b4b6;padding:.75rem 1rem;margin:1.25rem 0}
.inset p:last-child{margin:0}
.tag{display:inline-block;padding:.1rem .5rem;font-weight:700;background:#f4cdc6;color:#2a0b06}
.tag--standard{background:#d2e2f1;color:#0c2d4a}
.summary-list{margin:0 0 2rem;border-top:1px solid #b1b4b6}
.summary-list>div{border-bottom:1px solid #b1b4b6;padding:.75rem 0}
.summary-list dt{font-weight:700;margin:0 0 .25rem}
.summary-list dd{margin:0;overflow-wrap:anywhere}
@media (min-width:40em){.summary-list>div{display:grid;grid-template-columns:15rem 1fr;gap:1.25rem}.summary-list dt{margin:0}}
.pre-line{white-space:pre-line}
.needs{margin:0;padding-left:1.25rem}
.form-group{margin-bottom:1.75rem}
.form-group--error{border-left:5px solid #d4351c;padding-left:.9375rem}
fieldset{margin:0 0 2rem;padding:0;border:0;min-width:0}
legend{display:table;max-width:100%;white-space:normal;padding:0;margin-bottom:.75rem;font-weight:700;font-size:1.375rem;line-height:1.2}
@media (min-width:40em){legend{font-size:1.75rem}}
.legend-heading{margin:0;font-size:inherit;line-height:inherit}
.label{display:block;font-weight:700;margin-bottom:.25rem}
.hint{display:block;color:#505a5f;margin:0 0 .5rem}
.error-message{display:block;color:#d4351c;font-weight:700;margin:0 0 .5rem}
.input,.select,.textarea{font:inherit;width:100%;min-height:2.75rem;padding:.35rem .5rem;border:2px solid #0b0c0c;border-radius:0;background:#fff;color:#0b0c0c;appearance:none}
.select{appearance:auto;max-width:32rem}
.textarea{display:block;min-height:8rem;resize:vertical}
.input--error,.select--error,.textarea--error{border-color:#d4351c}
.input:focus,.select:focus,.textarea:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:inset 0 0 0 2px #0b0c0c}
.input--cost{max-width:10rem}
.input--short{max-width:16em}
.input--date{max-width:14rem}
.prefix-wrap{display:flex}
.prefix{display:flex;align-items:center;justify-content:center;min-width:2.75rem;padding:0 .5rem;border:2px solid #0b0c0c;border-right:0;background:#f3f2f1;font-weight:700}
.choice{display:flex;align-items:flex-start;gap:.75rem;margin-bottom:.75rem}
.choice input{width:2rem;height:2rem;margin:0;flex:none;accent-color:#0b0c0c;cursor:pointer}
.choice input:focus-visible{outline:3px solid #fd0;outline-offset:2px;box-shadow:0 0 0 6px #0b0c0c}
.choice label{cursor:pointer;padding-top:.2rem;font-weight:700}
.choice .hint{font-weight:400;margin:0}
.details{border-left:4px solid #b1b4b6;padding-left:1.25rem}
.details legend{font-size:1.25rem}
@media (min-width:40em){.details legend{font-size:1.5rem}}
@supports selector(:has(*)){
.response-form:has(#type-offer:not(:checked)) #offer-details,
.response-form:has(#type-decline:not(:checked)) #decline-details,
.response-form:has(#type-question:not(:checked)) #question-details{display:none}
}
.button{font:inherit;font-weight:700;display:block;width:100%;margin:0 0 1rem;padding:.6rem 1.25rem;border:2px solid transparent;border-radius:0;background:#00703c;color:#fff;box-shadow:0 2px 0 #002d18;cursor:pointer;text-align:center}
@media (min-width:40em){.button{display:inline-block;width:auto}}
.button:hover{background:#005a30}
.button:focus-visible{outline:3px solid transparent;background:#fd0;color:#0b0c0c;box-shadow:0 2px 0 #0b0c0c}
.error-summary{border:5px solid #d4351c;padding:1rem 1.25rem;margin-bottom:2rem}
.error-summary:focus{outline:3px solid #fd0;outline-offset:0}
.error-summary h2{margin-top:0;font-size:1.375rem}
.error-summary ul{margin:0;padding:0;list-style:none}
.error-summary li{margin-bottom:.5rem}
.error-summary a,.error-summary a:visited{color:#d4351c;font-weight:700}
.error-summary a:focus-visible{color:#0b0c0c}
.panel{background:#00703c;color:#fff;padding:1.5rem 1.25rem;margin-bottom:2rem;text-align:center}
.panel h1{color:#fff;margin:0;font-size:1.75rem}
@media (min-width:40em){.panel h1{font-size:2.5rem}}
.visually-hidden{position:absolute!important;width:1px!important;height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;clip-path:inset(50%)!important;border:0!important;white-space:nowrap!important}
.site-footer{border-top:1px solid #b1b4b6;background:#f3f2f1;color:#505a5f;padding:1.25rem 0;font-size:1rem}
.site-footer p{margin:0}
`;
